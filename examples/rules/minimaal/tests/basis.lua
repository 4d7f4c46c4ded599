-- Een testgeval: een verzoek (zoals in POST /v1/advice) en wat je verwacht.
-- Gebruik altijd een vaste tijd, anders hangt de uitkomst af van het moment van testen.
case "weinig digitaal vaardig: eerst de telefoon" {
  request = { service = "uittreksel_brp", citizen = { digitalSkills = "low" },
              context = { time = "2026-12-01T10:00:00+01:00" } },     -- dinsdag 10:00
  expect = { first = "telefoon", reason = { telefoon = "stap voor stap" } },
}

case "anders: eerst de website" {
  request = { service = "uittreksel_brp", context = { time = "2026-12-01T10:00:00+01:00" } },
  expect = { order = { "website", "telefoon" } },
}
