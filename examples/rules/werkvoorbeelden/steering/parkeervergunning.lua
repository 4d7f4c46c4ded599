-- Werkvoorbeeld 3: de digitale parkeervergunning regelt u online. Wie dat niet kan, houdt
-- een weg met een mens (zorgplicht, Awb 2:1): de telefoon, en de balie voor wie niet kan
-- bellen. priority 10: deze regel gaat voor de regel voor 75-plussers (van twee a:first
-- blijft het kanaal van de regel die eerst gaat bovenaan).
rule "digitale parkeervergunning: online, met hulp ernaast" {
  priority = 10,
  service = { online = true },
  advise = function(r, a)
    a:only({ "website", "telefoon", "balie" },
           "Deze vergunning regelt u online. Lukt dat niet, dan helpen wij u.")
    a:first("website", "U regelt het direct met DigiD.")
  end,
}
