service "grofvuil" {
  name = "Grofvuil laten ophalen", upl = "afvalinzameling grofvuil",
  presence = false, auth = "none", complexity = "low", tags = { "afval" },
}
