"""`guild view`: a web page over the runs of a Guild home (runs table, run pages, scalar charts,
compare with parallel coordinates), served by uvicorn from an ASGI app of our own, with a JSON
API behind it. Its front end is static files shipped in the package (no build step, no network
at run time); charts use the vendored uPlot library."""
