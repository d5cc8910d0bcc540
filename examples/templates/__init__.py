# Makes this directory a package, so that utemplate can import the
# templates it compiles (templates.utpl.index_html) even though
# examples/templates.py has the same name.
