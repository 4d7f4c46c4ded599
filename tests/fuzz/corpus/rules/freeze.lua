-- Routes around the freeze (issue 19): metamethods handed the table behind a read-only view,
-- the environment's metatable at load time, an iterator made while loading.
local store = setmetatable({}, { __index = function(t) return t end,
  __len = function(t) t.n = (t.n or 0) + 1 return 0 end, __call = function(t, v) t.v = v end })
local stash_ok = pcall(function() getmetatable(_G).__index.stash = {} end)
local words = ("een twee drie"):gmatch("%a+")
local Class = {} Class.__index = Class
function Class.get(self) return self.v end
rule "freeze" { when = function(r) return true end, advise = function(r, a)
  pcall(function() store.x.n = r.citizen.ref end)
  pcall(function() return #store end)
  pcall(store, r.citizen.ref)
  pcall(function() stash.ref = r.citizen.ref end)
  a:note(tostring(pcall(words)) .. tostring(stash_ok))
  a:note(tostring(setmetatable({ v = 1 }, Class):get()))
  pcall(setmetatable, _G, {})
end }
