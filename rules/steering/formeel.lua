-- Formele berichten (bezwaar, klacht) en post.
-- Waarom: onder de Wmebv mag u formele berichten altijd op papier sturen. Elektronisch
-- alleen via het formulier dat de gemeente daarvoor heeft aangewezen, dus niet per e-mail.

rule "bezwaar of klacht: brief of formulier" {
  priority = 20,
  service = { formeel = true },
  advise = function(r, a)
    a:exclude("email", "Een bezwaar of klacht kunt u niet per e-mail indienen.")
    a:prefer("post", 15, "U mag uw bezwaar of klacht ook per brief sturen.")
  end,
}

rule "post alleen waar het kan" {
  priority = 20,
  service = { post = false },
  advise = function(r, a)
    a:exclude("post", "Dit kunt u niet per post regelen.")
  end,
}
