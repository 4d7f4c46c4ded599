local kerstavond_11 = "2026-12-24T11:00:00+01:00"   -- donderdag 24 december 2026, 11:00
local kerstavond_13 = "2026-12-24T13:00:00+01:00"   -- dezelfde dag, 13:00
local do_13 = "2026-12-17T13:00:00+01:00"           -- een week eerder, 13:00

case "kerstavond 11:00: de balie is nog open" {
  request = { service = "verhuizing", context = { time = kerstavond_11 } },
  expect = { open = { balie = true } },
}

case "kerstavond 13:00: de balie is dicht, met de reden, en staat nog in het advies" {
  request = { service = "verhuizing", context = { time = kerstavond_13 } },
  expect = { included = { "balie" }, open = { balie = false, telefoon = true },
             reason = { balie = "kerstavond is de balie vanaf 12.00 uur gesloten" } },
}

case "een gewone donderdag 13:00: de balie is open" {
  request = { service = "verhuizing", context = { time = do_13 } },
  expect = { open = { balie = true } },
}
