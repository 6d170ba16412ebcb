/** Imported first by scripts that print for people: the per-message info logs would bury the output. */
process.env.LOG_LEVEL ??= 'warn';
