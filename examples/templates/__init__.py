# Makes this directory a package, so that utemplate can import the
# templates it compiles (templates.utpl.index_html). The app that uses them
# is examples/templating.py: a templates.py beside this directory would be
# hidden by it when imported by name (``uvicorn templates:app``).
