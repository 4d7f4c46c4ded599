-- auth = het DigiD-niveau dat nodig is om het online te regelen.
service "verhuizing" {
  name = "Verhuizing doorgeven", upl = "verhuismelding",
  presence = false, auth = "midden", complexity = "low", tags = { "burgerzaken" },
}

service "rijbewijs_verlengen" {
  name = "Rijbewijs verlengen", upl = "rijbewijs",
  presence = false, auth = "substantieel", complexity = "low", tags = { "burgerzaken" },
}
