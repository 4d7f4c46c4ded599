-- Formele berichten en post (steering/formeel.lua)

case "WOZ-bezwaar: niet per e-mail, wel per brief" {
  request = { service = "woz_bezwaar", context = { time = tijd.di_10 } },
  expect = { first = "website", excluded = { "email" }, included = { "post" },
             reason = { post = "per brief" }, notes = "6 weken" },
}

case "klacht: brief mag altijd" {
  request = { service = "klacht", context = { time = tijd.zo_14 } },
  expect = { excluded = { "email" }, included = { "post", "telefoon" } },
}

case "grofvuil: niet per post" {
  request = { service = "grofvuil", context = { time = tijd.di_10 } },
  expect = { excluded = { "post" } },
}
