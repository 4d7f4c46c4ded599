-- string.pack pads "cN" a byte at a time: charged before (issue 19, red team)
rule "pack" { when = function(r) return pcall(string.pack, "c2000000000", "") end,
  advise = function(r, a) a:exclude("website", string.pack("c3", "ab")) end }
