"""The taste box: a subscription composed from the customer's profile and rules, rated item
by item, and replenishment reminders from the customer's own purchase cadence."""
