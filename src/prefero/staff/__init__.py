"""Shop staff accounts for the dashboard: who may sign in, with which role, and how their
passwords are kept. Staff are not shoppers: their own table, their own sign-in, their own
session cookie (``prefero.web.dashboard``)."""
