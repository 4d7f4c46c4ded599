service "afvalcontainer" { name = "Afvalcontainer aanvragen", auth = "basis" }

service "verhuizing" { name = "Verhuizing doorgeven", auth = "midden", upl = "verhuismelding" }

-- Werkvoorbeeld 3: een nieuwe dienst die alleen online te regelen is.
service "parkeervergunning_digitaal" {
  name = "Digitale parkeervergunning bezoekers", auth = "midden", online = true,
}
