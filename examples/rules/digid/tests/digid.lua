local dinsdag = "2026-12-01T10:00:00+01:00"

case "verhuizing met DigiD Midden: online" {
  request = { service = "verhuizing", citizen = { authLevel = "midden" },
              context = { time = dinsdag } },
  expect = { first = "website", reason = { website = "direct online" } },
}

case "verhuizing zonder DigiD: balie" {
  request = { service = "verhuizing", citizen = { authLevel = "none" },
              context = { time = dinsdag } },
  expect = { first = "balie", included = { "website" }, notes = "www.digid.nl" },
}

case "rijbewijs met DigiD Midden: te laag, balie" {
  request = { service = "rijbewijs_verlengen", citizen = { authLevel = "midden" },
              context = { time = dinsdag } },
  expect = { first = "balie", reason = { website = "ID-check" } },
}

case "rijbewijs met DigiD Substantieel: online" {
  request = { service = "rijbewijs_verlengen", citizen = { authLevel = "substantieel" },
              context = { time = dinsdag } },
  expect = { order = { "website", "telefoon", "balie" } },
}

case "niet ingelogd: geen DigiD-regel" {
  request = { service = "rijbewijs_verlengen", context = { time = dinsdag } },
  expect = { order = { "website", "telefoon", "balie" } },
}
