# source: paper code pattern "Improved Training of Wasserstein GANs" (gradient penalty) as in PyTorch-GAN, https://github.com/eriklindernoren/PyTorch-GAN/blob/master/implementations/wgan_gp/wgan_gp.py
# note: compute_gradient_penalty with torch.autograd.grad(create_graph=True, retain_graph=True,
# only_inputs=True) on a tiny critic; seeded so values are compared
torch.manual_seed(0)
D = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))


def compute_gradient_penalty(D, real_samples, fake_samples):
    """Calculates the gradient penalty loss for WGAN GP"""
    alpha = torch.rand((real_samples.size(0), 1))
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = torch.ones(real_samples.shape[0], 1, requires_grad=False)
    gradients = torch.autograd.grad(
        outputs=d_interpolates,
        inputs=interpolates,
        grad_outputs=fake,
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


real = torch.randn(6, 4)
fake_imgs = torch.randn(6, 4)
gp = compute_gradient_penalty(D, real, fake_imgs)
d_loss = -D(real).mean() + D(fake_imgs).mean() + 10 * gp
d_loss.backward()
print(gp.item(), d_loss.item())
