"""Fits y = w*x + b by gradient descent and prints the loss per epoch."""

lr = 0.01
epochs = 5


def fit():
    xs = [x / 10 for x in range(10)]
    ys = [2 * x + 1 for x in xs]
    w, b = 0.0, 0.0
    for epoch in range(epochs):
        grad_w = sum(2 * (w * x + b - y) * x for x, y in zip(xs, ys)) / len(xs)
        grad_b = sum(2 * (w * x + b - y) for x, y in zip(xs, ys)) / len(xs)
        w -= lr * grad_w
        b -= lr * grad_b
        loss = sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        print(f"step: {epoch}")
        print(f"loss: {loss:.6f}")


fit()
