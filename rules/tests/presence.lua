-- Persoonlijk verschijnen (steering/presence.lua)

case "paspoort: altijd aan de balie, ook als u digitaal vaardig bent" {
  request = { service = "paspoort", citizen = { digitalSkills = "high" },
              context = { time = tijd.di_10 } },
  expect = { first = "balie",
             excluded = { "chat", "email", "videobellen", "post", "ido", "mijn_omgeving" },
             reason = { balie = "zelf bij zijn" } },
}

case "paspoort 's avonds: eerst online een afspraak maken" {
  request = { service = "paspoort", context = { time = tijd.ma_20 } },
  expect = { first = "website", open = { balie = false },
             reason = { website = "afspraak" } },
}

case "identiteitskaart: ophalen aan de balie" {
  request = { service = "identiteitskaart", context = { time = tijd.di_10 } },
  expect = { first = "balie", notes = "persoonlijk op aan de balie" },
}

case "paspoort voor een kind van 15: toestemming ouders" {
  request = { service = "paspoort", citizen = { age = 15 }, context = { time = tijd.di_10 } },
  expect = { first = "balie", notes = "toestemming nodig van beide ouders" },
}

case "identiteitskaart voor een kind van 10: kind komt zelf mee" {
  request = { service = "identiteitskaart", citizen = { age = 10 }, context = { time = tijd.di_10 } },
  expect = { notes = "Het kind komt zelf mee" },
}

case "paspoort, slecht ter been: afspraak aan huis" {
  request = { service = "paspoort", citizen = { needs = { "mobility" } },
              context = { time = tijd.di_10 } },
  expect = { notes = "komen wij bij u thuis", reason = { telefoon = "bij u thuis" } },
}

case "naturalisatie: persoonlijk aan de balie" {
  request = { service = "naturalisatie", context = { time = tijd.di_10 } },
  expect = { first = "balie", excluded = { "post", "email" }, notes = "inburgeringsdiploma" },
}

case "buitenlands rijbewijs omwisselen: balie" {
  request = { service = "rijbewijs_omwisselen", context = { time = tijd.di_10 } },
  expect = { order = { "balie", "website", "telefoon" }, excluded = { "chat" } },
}
