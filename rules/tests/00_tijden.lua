-- Vaste tijden voor de testgevallen (Europe/Amsterdam: +01:00 in de winter, +02:00 in de zomer).
-- Dit bestand bevat geen testgevallen.
tijd = {
  di_10    = "2026-12-01T10:00:00+01:00", -- dinsdag, kantoortijd: alles open
  di_14    = "2026-12-01T14:00:00+01:00", -- dinsdagmiddag: Sociaal Team dicht
  do_17    = "2026-12-03T17:00:00+01:00", -- donderdag 17:00: telefoon net dicht, balie tussen diensten
  do_1830  = "2026-12-03T18:30:00+01:00", -- donderdagavond: balie open, telefoon dicht
  za_11    = "2026-12-05T11:00:00+01:00", -- zaterdag: alleen de bibliotheek (IDO) open
  zo_14    = "2026-12-06T14:00:00+01:00", -- zondag
  ma_20    = "2026-12-07T20:00:00+01:00", -- maandagavond
  kerst    = "2026-12-25T10:00:00+01:00", -- 1e Kerstdag (vrijdag)
  kerstavond_11 = "2026-12-24T11:00:00+01:00", -- kerstavond (donderdag), ochtend
  kerstavond_13 = "2026-12-24T13:00:00+01:00", -- kerstavond, na 12.00 uur: balie dicht
  kerstavond_17 = "2026-12-24T16:30:00+01:00", -- kerstavond, na 16.00 uur: telefoon ook dicht
  koning27 = "2027-04-27T10:00:00+02:00", -- Koningsdag 2027 (dinsdag)
  zomer    = "2026-06-16T10:00:00+02:00", -- dinsdag in de zomertijd
  dst_0829 = "2026-03-30T08:29:00+02:00", -- eerste maandag zomertijd, 08:29
  dst_0830 = "2026-03-30T08:30:00+02:00", -- eerste maandag zomertijd, 08:30
}
