"""The figures the shop's dashboard shows, computed from the stored rows. No HTTP and no
wording here: each function returns counts and codes; the dashboard's pages put them in the
staff member's language."""
