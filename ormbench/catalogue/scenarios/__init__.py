"""One module per ORM pattern, in a folder of its group. Adding a module to a group adds a
scenario: there is no list to edit (discovery imports every module below this package)."""
