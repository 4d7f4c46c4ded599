local di_10 = "2026-12-01T10:00:00+01:00"

case "parkeervergunning: online eerst, telefoon en balie blijven" {
  request = { service = "parkeervergunning_digitaal", context = { time = di_10 } },
  expect = { order = { "website", "telefoon", "balie" }, excluded = { "chat" } },
}

case "parkeervergunning: 75+ in 2027 toch eerst de website (de regel voor deze dienst gaat voor)" {
  request = { service = "parkeervergunning_digitaal", citizen = { age = 80 },
              context = { time = "2027-01-05T10:00:00+01:00" } },
  expect = { first = "website" },
}

case "parkeervergunning: doof, zonder DigiD: de balie blijft" {
  request = { service = "parkeervergunning_digitaal",
              citizen = { needs = { "hearing" }, authLevel = "none" }, context = { time = di_10 } },
  expect = { included = { "balie" }, open = { balie = true } },
}
