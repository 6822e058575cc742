"""Writes data.csv with `size` rows of y = 2x + 1."""

size = 10

with open("data.csv", "w") as f:
    for i in range(size):
        f.write(f"{i},{2 * i + 1}\n")
print(f"wrote {size} rows")
