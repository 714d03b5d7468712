"""The triggers that watch the catalogue, the cart and finished quizzes, each a scanner
(``prefero.messaging.scanners``) that turns what changed into ``MessageOffer``s."""
