"""The provider's side of orders under /dashboard/ (DESIGN.md "URLs"): the overview, the
order desk and the refund desk. Every query is scoped to the signed-in provider."""
