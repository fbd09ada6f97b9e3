"""Forms: thin, they validate input and hand clean values to the services. A module per page group."""
