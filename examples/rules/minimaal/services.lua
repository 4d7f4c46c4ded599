-- Een dienst: id, naam, en wat de regels nodig hebben. `upl` is de naam op de
-- Uniforme Productnamenlijst; `auth` het DigiD-niveau om het online te doen.
service "uittreksel_brp" {
  name = "Uittreksel BRP aanvragen", upl = "brp-uittreksel",
  presence = false, auth = "midden", complexity = "low", tags = { "burgerzaken" },
}
