def normalize(x):
    return (x - torch.mean(x)) / torch.std(x)

def scale(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] * float(args[0])
