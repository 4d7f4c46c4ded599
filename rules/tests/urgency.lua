-- Spoed en gevaar (steering/urgency.lua)

case "gevaarlijke situatie: bellen" {
  request = { service = "melding_openbare_ruimte", context = { time = tijd.di_10, intent = "gevaar" } },
  route = true,
  expect = { first = "telefoon", route = "telefoon", notes = "Bel 112" },
}

case "gevaar 's avonds: online melden, niet terugbellen" {
  request = { service = "melding_openbare_ruimte", context = { time = tijd.ma_20, gevaar = true } },
  expect = { first = "website", notes = "Bel 112",
             reason = { terugbelverzoek = "te laat", website = "Buiten kantoortijd" } },
}

case "melding openbare ruimte: online, dag en nacht" {
  request = { service = "melding_openbare_ruimte", context = { time = tijd.ma_20 } },
  expect = { first = "website", reason = { website = "dag en nacht" }, notes = "10 werkdagen" },
}

case "spoed: bellen, geen e-mail" {
  request = { service = "uittreksel_brp", context = { time = tijd.di_10, urgent = true } },
  expect = { first = "telefoon", reason = { email = "spoed", post = "spoed" } },
}

case "spoedaanvraag paspoort" {
  request = { service = "paspoort", context = { time = tijd.di_10, intent = "spoed" } },
  expect = { first = "balie", notes = "spoedaanvraag" },
}

case "rijbewijs met spoed: niet online" {
  request = { service = "rijbewijs_verlengen", citizen = { authLevel = "substantieel" },
              context = { time = tijd.di_10, urgent = true } },
  expect = { order = { "telefoon", "balie" },
             reason = { website = "Met spoed kan dit niet online", balie = "14.00" } },
}
