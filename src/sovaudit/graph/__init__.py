"""Stage 4, graph: the layers (hardware, cloud, provider, model, software) as a networkx graph."""
