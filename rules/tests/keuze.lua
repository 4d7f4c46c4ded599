-- Een klik in de widget ("chosen": de inwoner koos een kanaal) is geen stap in een
-- aanvraag: het advies blijft dat van een nieuwe vraag (issue 17, punt 4).

case "klik op de website is geen lopende aanvraag (verhuizing)" {
  request = { service = "verhuizing", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10 } },
  session = { id = "k1", service = "verhuizing", channel = "website",
              events = { { type = "advice", channel = "website", service = "verhuizing" },
                         { type = "chosen", channel = "website", service = "verhuizing" } } },
  expect = { first = "website", excluded = { "mijn_omgeving" } },
}

case "klik in de widget laat de balieplicht staan (paspoort)" {
  request = { service = "paspoort", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10 } },
  session = { id = "k2", service = "paspoort", channel = "website",
              events = { { type = "advice", channel = "website", service = "paspoort" },
                         { type = "chosen", channel = "telefoon", service = "paspoort" } } },
  expect = { first = "balie" },
}

case "een echte stap in de aanvraag blijft een statusvraag" {
  request = { service = "verhuizing", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10 } },
  session = { id = "k3", service = "verhuizing", channel = "website",
              events = { { type = "chosen", channel = "website", service = "verhuizing" },
                         { type = "step", channel = "website", service = "verhuizing" } } },
  expect = { first = "mijn_omgeving" },
}
