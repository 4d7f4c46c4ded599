-- Vragen over een lopende aanvraag (steering/status.lua)

case "status: Mijn Voorbeeldstad eerst" {
  request = { service = "verhuizing", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10, intent = "status" } },
  expect = { first = "mijn_omgeving", reason = { mijn_omgeving = "hoe het staat" } },
}

case "status uit de sessie: stap gezet in de aanvraag" {
  request = { service = "bijstand", context = { time = tijd.ma_20 } },
  session = { id = "s1", service = "bijstand", channel = "website",
              events = { { type = "advice", channel = "website", service = "bijstand" },
                         { type = "step", channel = "website", service = "bijstand" } } },
  expect = { first = "mijn_omgeving" },
}

case "is mijn paspoort klaar? status, geen balieplicht" {
  request = { service = "paspoort", context = { time = tijd.di_10, intent = "status" } },
  expect = { first = "mijn_omgeving", included = { "mijn_omgeving", "chat" } },
}

case "status zonder DigiD: medewerker zoekt het op" {
  request = { service = "wmo", citizen = { authLevel = "none" },
              context = { time = tijd.di_10, intent = "status" } },
  expect = { first = "telefoon", reason = { mijn_omgeving = "DigiD nodig" } },
}

case "aanvraag afgerond: besluit in Mijn Voorbeeldstad" {
  request = { service = "kwijtschelding", context = { time = tijd.di_10 } },
  session = { id = "s2", service = "kwijtschelding", channel = "website",
              events = { { type = "completed", channel = "website", service = "kwijtschelding" } } },
  expect = { first = "mijn_omgeving", notes = "afgerond" },
}

case "sessie over een andere dienst: gewoon een nieuwe aanvraag" {
  request = { service = "grofvuil", context = { time = tijd.di_10 } },
  session = { id = "s3", service = "parkeervergunning", channel = "website",
              events = { { type = "step", channel = "website", service = "parkeervergunning" } } },
  expect = { first = "website", excluded = { "mijn_omgeving" } },
}
