# source: PyTorch docs "Anomaly detection" (torch.autograd.set_detect_anomaly), https://pytorch.org/docs/stable/autograd.html#anomaly-detection
# note: sqrt of 0 gives an infinite gradient and 0 * inf a NaN; anomaly mode names the function
x = torch.zeros(1, requires_grad=True)
with torch.autograd.set_detect_anomaly(True):
    y = torch.sqrt(x) * 0
    y.backward()
