-- Openingstijden en feestdagen (channels.lua, steering/hours.lua)

case "zondag: terugbelverzoek als doelroute" {
  request = { service = "verhuizing", context = { time = tijd.zo_14 } },
  route = true,
  expect = { route = "terugbelverzoek", open = { telefoon = false, balie = false },
             reason = { terugbelverzoek = "volgende werkdag terug" } },
}

case "donderdagavond: balie open, telefoon dicht" {
  request = { service = "paspoort", context = { time = tijd.do_1830 } },
  expect = { first = "balie", open = { balie = true, telefoon = false } },
}

case "donderdag 17:00: telefoon net dicht, balie tussen de diensten" {
  request = { service = "paspoort", context = { time = tijd.do_17 } },
  expect = { first = "website", open = { balie = false, telefoon = false } },
}

case "druk aan de telefoon: terugbellen aanbieden" {
  request = { service = "uittreksel_brp", context = { time = tijd.di_10 } },
  status = { telefoon = { open = true, waitSeconds = 900 } },
  expect = { reason = { terugbelverzoek = "druk", telefoon = "10 minuten" } },
}

case "storing telefooncentrale: route naar terugbellen" {
  request = { service = "uittreksel_brp", context = { time = tijd.di_10 } },
  status = { telefoon = { open = false, reason = "Storing telefooncentrale" } },
  route = true,
  expect = { route = "terugbelverzoek", open = { telefoon = false },
             reason = { telefoon = "Storing" } },
}

case "1e Kerstdag: alles dicht behalve online" {
  request = { service = "verhuizing", context = { time = tijd.kerst } },
  expect = { first = "website", notes = "feestdag",
             open = { telefoon = false, balie = false, chat = false, website = true } },
}

case "Koningsdag 2027: telefoon dicht" {
  request = { service = "uittreksel_brp", context = { time = tijd.koning27 } },
  expect = { open = { telefoon = false }, notes = "feestdag" },
}

case "zomertijd: dinsdag 10:00 open" {
  request = { service = "uittreksel_brp", context = { time = tijd.zomer } },
  expect = { open = { telefoon = true, balie = true, videobellen = true } },
}

case "eerste dag zomertijd: 08:29 nog dicht" {
  request = { service = "uittreksel_brp", context = { time = tijd.dst_0829 } },
  expect = { open = { telefoon = false } },
}

case "eerste dag zomertijd: 08:30 open" {
  request = { service = "uittreksel_brp", context = { time = tijd.dst_0830 } },
  route = true,
  expect = { open = { telefoon = true }, route = "telefoon" },
}

case "zaterdag, weinig digitaal vaardig: bibliotheek open, wij bellen terug" {
  request = { service = "verhuizing", citizen = { digitalSkills = "low" },
              context = { time = tijd.za_11 } },
  expect = { first = "terugbelverzoek", open = { ido = true, telefoon = false } },
}

-- Geplande sluitingen (closures in channels.lua) en storingen: de reden past bij het moment.
case "kerstavond 11:00: balie nog open" {
  request = { service = "paspoort", context = { time = tijd.kerstavond_11 } },
  expect = { first = "balie", open = { balie = true, telefoon = true } },
}

case "kerstavond 13:00: balie dicht met de reden, telefoon open" {
  request = { service = "uittreksel_brp", context = { time = tijd.kerstavond_13 } },
  expect = { open = { balie = false, telefoon = true },
             reason = { balie = "kerstavond is het stadskantoor vanaf 12.00 uur gesloten" } },
}

case "kerstavond 16:30: telefoon dicht, terugbellen zodra het weer kan" {
  request = { service = "verhuizing", context = { time = tijd.kerstavond_17 } },
  route = true,
  expect = { route = "terugbelverzoek", open = { telefoon = false },
             reason = { telefoon = "vanaf 16.00 uur gesloten", terugbelverzoek = "zodra het weer kan" } },
}

case "storing op dinsdagochtend: geen 'volgende werkdag'" {
  request = { service = "verhuizing", context = { time = tijd.di_10 } },
  status = { telefoon = { open = false, reason = "Storing telefooncentrale" } },
  expect = { open = { telefoon = false },
             reason = { terugbelverzoek = "zodra het weer kan", telefoon = "Storing" } },
}
