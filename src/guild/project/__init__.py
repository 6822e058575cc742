"""The project model: guild.yml files (models, operations, flags), opspec resolution and flags
imported from Python scripts. Knows nothing about runs or the store."""
