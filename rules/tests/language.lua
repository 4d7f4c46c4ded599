-- Taal (steering/language.lua)

case "gebarentaal: videobellen met een tolk" {
  request = { service = "wmo", citizen = { language = "sgn", needs = { "hearing" } },
              context = { time = tijd.di_10 } },
  expect = { first = "videobellen", notes = "tolk gebarentaal" },
}

case "paspoort in gebarentaal: tolk bij de afspraak" {
  request = { service = "paspoort", citizen = { language = "sgn" }, context = { time = tijd.di_10 } },
  expect = { first = "balie", excluded = { "videobellen" }, notes = "tolk gebarentaal" },
}

case "Engels: kanalen die Engels spreken" {
  request = { service = "verhuizing_naar", citizen = { language = "eng" },
              context = { time = tijd.di_10 } },
  expect = { first = "website", reason = { chat = "het Engels", ido = "Alleen in het Nederlands" },
             notes = "ook in het Engels" },
}

case "Oekraïens: een tolk via telefoon of balie" {
  request = { service = "bijstand", citizen = { language = "ukr" }, context = { time = tijd.di_10 } },
  expect = { reason = { telefoon = "tolk", balie = "tolk" }, notes = "Oekraïens" },
}
