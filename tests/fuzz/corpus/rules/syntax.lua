rule "broken" { when = function(r) return r.
