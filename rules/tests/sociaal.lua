-- Zorg, werk en inkomen (steering/sociaal.lua)

case "Wmo: het Sociaal Team" {
  request = { service = "wmo", context = { time = tijd.di_10 } },
  route = true,
  expect = { first = "telefoon_zorg", route = "telefoon_zorg",
             reason = { telefoon_zorg = "Sociaal Team" } },
}

case "Wmo 's middags: het KCC neemt over" {
  request = { service = "wmo", context = { time = tijd.di_14 } },
  route = true,
  expect = { route = "telefoon", open = { telefoon_zorg = false },
             reason = { telefoon = "Sociaal Team is nu niet bereikbaar" } },
}

case "bijstand aan de telefoon: Sociaal Team boven het KCC" {
  request = { service = "bijstand", context = { time = tijd.di_10, origin = "ivr" } },
  route = true,
  expect = { route = "telefoon_zorg" },
}

case "Wmo, 80 jaar en weinig digitaal: Sociaal Team eerst" {
  request = { service = "wmo", citizen = { age = 80, digitalSkills = "low" },
              context = { time = tijd.di_10 } },
  expect = { first = "telefoon_zorg" },
}

case "paspoort: geen lijn van het Sociaal Team" {
  request = { service = "parkeervergunning", context = { time = tijd.di_10 } },
  expect = { excluded = { "telefoon_zorg" } },
}
