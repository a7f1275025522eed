"""Programme setup on pages: places and populations, schemes, funders and envelopes,
associations' registrations, users and roles. For administrators; a regional administrator
sees and changes only his region (everything else answers 404, as if missing)."""
