"""A candidate's profile (résumé or project notes): read, extracted into projects, technologies and career
moves, and turned into interview questions about that person's own work."""
