channel "extra" { name = "Extra", kind = "online", base = 10 }
service "dubbel" { name = "D", presence = false, auth = "none", complexity = "high" }
