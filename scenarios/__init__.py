"""One module per ORM pattern. Adding a module here adds a scenario: there is no list to edit."""
