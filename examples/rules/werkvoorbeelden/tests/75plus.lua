local di_10_2027 = "2027-01-05T10:00:00+01:00"   -- dinsdag 5 januari 2027, 10:00
local di_10_2026 = "2026-12-01T10:00:00+01:00"   -- dinsdag 1 december 2026, 10:00

case "75+: vanaf 2027 eerst de telefoon" {
  request = { service = "verhuizing", citizen = { age = 80 }, context = { time = di_10_2027 } },
  expect = { first = "telefoon", reason = { telefoon = "Bel ons gerust" } },
}

case "75+: in 2026 nog de website eerst" {
  request = { service = "verhuizing", citizen = { age = 80 }, context = { time = di_10_2026 } },
  expect = { first = "website" },
}

case "onder de 75: ook in 2027 de website eerst" {
  request = { service = "verhuizing", citizen = { age = 74 }, context = { time = di_10_2027 } },
  expect = { order = { "website", "telefoon" } },
}
