-- Request extras are r.extra, never catalogue fields; math.random per adviceId.
rule "extra" { service = { online = false }, advise = function(r, a) a:note("catalogue") end }
rule "extra2" { when = function(r) return r.extra.extra ~= nil and r.service.extra == nil end,
  advise = function(r, a)
    a:note(tostring(r.extra.extra.a[2]) .. " " .. math.random(1000))
    pcall(function() r.extra.x = 1 end)
  end }
