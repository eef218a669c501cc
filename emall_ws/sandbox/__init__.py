"""Partner simulators (not used in production): banks, couriers and an SMS gateway, each
serving the partner contract that the platform's adapters consume."""
