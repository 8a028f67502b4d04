//! The short explanation behind each control's and chart's "i" button (`components::panel::Info`),
//! keyed by the control's link key (or the chart's id), in English and Chinese.

/// (key, English, Chinese).
const TIPS: &[(&str, &str, &str)] = &[
    ("depth", "Number of hidden layers. The gradient is multiplied once per layer on its way back, so depth turns a small per-layer change into vanishing or exploding.", "隐藏层的层数。梯度在反向传播时每层乘一次，所以深度会把每层的小变化放大成梯度消失或梯度爆炸。"),
    ("width", "Units per hidden layer (n). Initializers scale the weights by it, and mean-field theory holds better the wider the layers.", "每个隐藏层的单元数 n。初始化方法按它缩放权重；层越宽，平均场理论越准确。"),
    ("act", "The activation function φ. Its slope φ′ is one factor of every layer's backward gain: sigmoid's is at most 1/4.", "激活函数 φ。它的导数 φ′ 是每层反向增益的一个因子：sigmoid 的导数最多 1/4。"),
    ("slope", "leaky_relu's slope for negative inputs: above 0, no unit can die.", "leaky_relu 在负输入上的斜率：大于 0 时不会有死亡单元。"),
    ("bn", "Batch normalization after each hidden layer's linear map: standardizes each unit over the batch.", "在每个隐藏层的线性变换之后做批量归一化：每个单元在批内标准化。"),
    ("res", "Residual connections: each hidden block adds its input to its output, giving the gradient an identity path.", "残差连接：每个隐藏块把输入加到输出上，为梯度提供一条恒等路径。"),
    ("init", "How the weights are drawn (torch.nn.init). Their variance sets σ_w², and with φ′ the per-layer factor χ₁.", "权重的初始化方法（torch.nn.init）。权重方差决定 σ_w²，再与 φ′ 一起决定每层的因子 χ₁。"),
    ("gain", "Multiplies the initializer's scale; empty means PyTorch's calculate_gain for the chosen activation.", "乘在初始化尺度上的增益；留空即使用 PyTorch 对所选激活函数的 calculate_gain。"),
    ("std", "Standard deviation of normal init. σ_w² = width · std².", "正态初始化的标准差。σ_w² = 宽度 · std²。"),
    ("bound", "Half-width a of uniform init U(−a, a); its variance is a²/3.", "均匀初始化 U(−a, a) 的半宽 a；方差为 a²/3。"),
    ("data", "The examples the gradient is measured on (one batch).", "用来测量梯度的样本（一个批次）。"),
    ("batch", "Examples in the probed batch; norms are averaged over it.", "被测批次的样本数；范数在批内平均。"),
    ("seed", "Seeds the data, the weights and the batch: the same seed gives the same numbers, bit for bit.", "数据、权重和批次的随机种子：相同的种子给出逐位相同的数值。"),
    ("model", "The network: the feed-forward MLP, or a recurrent cell unrolled in time — plain RNN, LSTM or GRU (PyTorch's equations).", "网络：前馈的多层感知机，或按时间展开的循环单元——循环神经网络（RNN）、长短期记忆（LSTM）或门控循环单元（GRU），方程与 PyTorch 相同。"),
    ("hidden", "Hidden units of the recurrent cell; the recurrent matrix W_hh is hidden × hidden.", "循环单元的隐藏单元数；循环矩阵 W_hh 的大小为 隐藏单元数 × 隐藏单元数。"),
    ("seq", "Sequence length T: the gradient from the last step passes through T − 1 copies of the recurrent Jacobian on its way back to the first.", "序列长度 T：来自最后一步的梯度要经过 T − 1 个循环雅可比矩阵才能回到第一步。"),
    ("tbptt", "Truncated backpropagation through time: the gradient is followed back only this many steps (0 = the whole sequence).", "截断的随时间反向传播：梯度只向回传播这么多步（0 表示整个序列）。"),
    ("rinit", "How the recurrent matrices W_hh are drawn: PyTorch's default U(±1/√hidden), the identity (IRNN), or any torch.nn.init initializer.", "循环矩阵 W_hh 的初始化：PyTorch 默认的 U(±1/√hidden)、单位矩阵（IRNN），或任一 torch.nn.init 初始化方法。"),
    ("fbias", "Initial bias of the LSTM's forget gate: f ≈ σ(fbias), the factor the cell path multiplies by at every step; 1 or more keeps it open.", "长短期记忆（LSTM）遗忘门的初始偏置：f ≈ σ(fbias)，即细胞路径每一步乘上的因子；取 1 或更大可让这条路径保持畅通，减轻梯度消失。"),
    ("task", "What the network must remember: the adding problem (sum of two marked values, MSE, baseline 1/6) or the copy task (recall symbols after a delay).", "网络需要记住的内容：加法问题（两个标记值之和，均方误差，基线 1/6）或复制任务（延迟后回忆符号）。"),
    ("plot", "Gradient size at every layer on a log scale: ‖∂L/∂h‖ RMS (what vanishes or explodes), ‖∂L/∂W‖, and the mean-field prediction (dashed).", "每一层的梯度大小（对数坐标）：‖∂L/∂h‖ 的 RMS（会消失或爆炸的量）、‖∂L/∂W‖，以及平均场理论的预测（虚线）。"),
    ("table", "The plot's numbers, one row per layer; hover a column heading for what it measures.", "图中的数值，每层一行；把鼠标放在列标题上可看它测量的是什么。"),
];

/// The tip for `key` in English (`chinese == false`) or Chinese.
pub fn tip(key: &str, chinese: bool) -> Option<&'static str> {
    TIPS.iter().find(|(k, ..)| *k == key).map(|&(_, en, zh)| if chinese { zh } else { en })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_of_the_form_has_a_tip_in_both_languages() {
        for key in ["depth", "width", "act", "slope", "bn", "res", "init", "gain", "std", "bound", "data", "batch", "seed", "plot", "table", "model", "hidden", "seq", "tbptt", "rinit", "fbias", "task"] {
            let (en, zh) = (tip(key, false), tip(key, true));
            assert!(en.is_some_and(|t| !t.is_empty()) && zh.is_some_and(|t| !t.is_empty() && Some(t) != en), "{key}");
        }
    }
}
