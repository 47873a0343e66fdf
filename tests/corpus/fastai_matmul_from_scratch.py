# source: fast.ai Practical Deep Learning for Coders part 2 (2022), notebook 01_matmul "Matrix multiplication from foundations", https://github.com/fastai/course22p2/blob/master/nbs/01_matmul.ipynb
# note: the triple-loop matmul, elementwise and broadcasting versions, einsum, on small random
# matrices; seeded
torch.manual_seed(1)
m1 = torch.randn(5, 784)
weights = torch.randn(784, 10)
bias = torch.zeros(10)
m1 = m1[:5]
ar, ac = m1.shape # n_rows * n_cols
br, bc = weights.shape
print(ar, ac, br, bc)


def matmul(a, b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc):
            c[i,j] = (a[i,:] * b[:,j]).sum()
    return c


t1 = matmul(m1, weights)
print(t1.shape)


def matmul2(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        c[i]   = (a[i,:,None] * b).sum(dim=0)
    return c


t2 = matmul2(m1, weights)
print(torch.allclose(t1, t2, atol=1e-4))
t3 = torch.einsum('ik,kj->ij', m1, weights)
print(torch.allclose(t1, t3, atol=1e-4))
t4 = m1 @ weights
print(torch.allclose(t1, t4, atol=1e-4))
