-- Let op de tijdzone: +01:00 in de winter, +02:00 in de zomer.

case "dinsdag 10:00: bellen" {
  request = { service = "grofvuil", context = { time = "2026-12-01T10:00:00+01:00" } },
  route = true,                                        -- ook als /v1/route-verzoek
  expect = { open = { telefoon = true }, route = "telefoon" },
}

case "donderdag 13:00: middagpauze, wij bellen terug" {
  request = { service = "grofvuil", context = { time = "2026-12-03T13:00:00+01:00" } },
  route = true,
  expect = { open = { telefoon = false }, route = "terugbelverzoek" },
}

case "donderdagavond 19:00: telefoon open" {
  request = { service = "grofvuil", context = { time = "2026-12-03T19:00:00+01:00" } },
  expect = { open = { telefoon = true } },
}

case "1e Kerstdag: dicht, terugbellen eerst" {
  request = { service = "grofvuil", context = { time = "2026-12-25T10:00:00+01:00" } },
  expect = { first = "terugbelverzoek", open = { telefoon = false, website = true },
             reason = { terugbelverzoek = "gesloten" } },
}

case "zomertijd: dinsdag 08:30 open" {
  request = { service = "grofvuil", context = { time = "2026-06-16T08:30:00+02:00" } },
  expect = { open = { telefoon = true } },
}

case "storing: de telefooncentrale meldt een lange wachttijd" {
  request = { service = "grofvuil", context = { time = "2026-12-01T10:00:00+01:00" } },
  status = { telefoon = { open = true, waitSeconds = 1200 } },
  expect = { reason = { terugbelverzoek = "druk" } },
}
