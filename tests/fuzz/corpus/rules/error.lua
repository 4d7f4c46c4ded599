rule "throws" { when = function(r) error({}) end, advise = function(r, a) end }
