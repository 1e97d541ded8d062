// Placeholder until the native addon lands: never fail an install.
process.exit(0);
