//! The panels' words, one field per passage (markup: `panels::prose`). Kept together so each
//! passage moves into the page's string catalogs as one key per language.

use crate::i18n::{use_i18n, Lang};

/// A passage picked from the panel words (`|t| t.init_title`), re-read when the language changes.
pub type Passage = fn(&PanelText) -> &'static str;

/// The panel words in the page's current language, reactive: read it inside a closure.
pub fn panel_text() -> impl Fn() -> &'static PanelText + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || match i18n.lang() {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

pub struct PanelText {
    pub chain_title: &'static str,
    pub chain_intro: &'static str,
    pub chain_table_intro: &'static str,
    pub chain_outro: &'static str,
    pub chain_one_layer: &'static str,
    pub chain_theory_column: &'static str,
    pub init_title: &'static str,
    pub init_intro: &'static str,
    pub init_current: &'static str,
    pub gain_note: &'static str,
    pub theory_title: &'static str,
    pub theory_intro: &'static str,
    pub theory_differs: &'static str,
    pub theory_caveat: &'static str,
    pub theory_hidden: &'static str,
    pub orthogonal_title: &'static str,
    pub orthogonal: &'static str,
    pub orthogonal_off: &'static str,
    pub small_init_title: &'static str,
    pub small_init: &'static str,
    pub small_init_off: &'static str,
    pub batch_norm_title: &'static str,
    pub batch_norm: &'static str,
    pub batch_norm_off: &'static str,
    pub residual_title: &'static str,
    pub residual: &'static str,
    pub residual_off: &'static str,
    pub clipping_title: &'static str,
    pub clipping: &'static str,
    pub clipping_off: &'static str,
    pub adaptive_title: &'static str,
    pub activation_title: &'static str,
    pub activation: &'static str,
    pub adaptive: &'static str,
}

impl PanelText {
    /// Every passage, in declaration order (tests compare languages passage by passage).
    pub fn passages(&self) -> [&'static str; 34] {
        [self.chain_title, self.chain_intro, self.chain_table_intro, self.chain_outro, self.chain_one_layer, self.chain_theory_column, self.init_title, self.init_intro, self.init_current, self.gain_note, self.theory_title, self.theory_intro, self.theory_differs, self.theory_caveat, self.theory_hidden, self.orthogonal_title, self.orthogonal, self.orthogonal_off, self.small_init_title, self.small_init, self.small_init_off, self.batch_norm_title, self.batch_norm, self.batch_norm_off, self.residual_title, self.residual, self.residual_off, self.clipping_title, self.clipping, self.clipping_off, self.adaptive_title, self.adaptive, self.activation_title, self.activation]
    }
}

pub const EN: PanelText = PanelText {
    chain_title: "Chain rule: why depth multiplies the gradient",
    chain_intro: "Backpropagation applies the chain rule once per layer: the gradient at layer l's pre-activation comes from the layer above it,

$$CHAIN_STEP$$

so the gradient at the first layer is a product with one factor per layer:

$$CHAIN_PRODUCT$$

If every factor changes the gradient by about the same amount, the changes multiply: 0.5 per layer leaves a millionth after 20 layers (**vanishing gradient**), 2 per layer makes it a million times larger (**exploding gradient**).

$$CHAIN_POWER$$",
    chain_table_intro: "This network's factors $CHAIN_FACTOR$, measured by the probe, from the last hidden layer down:",
    chain_outro: "The running product is the ratio the plot and the sentence under it report. Factors below 1 make the gradient vanish, above 1 explode; only factors near 1 keep a deep network trainable.",
    chain_one_layer: "With one hidden layer there is no product yet: add layers.",
    chain_theory_column: "mean-field theory",
    init_title: "Xavier / He initialization: keeping the variance level",
    init_intro: "Forward, each unit of layer l sums n inputs, each a weight times an activation, so its variance is

$$VAR_FORWARD$$

Backward, the gradient at a unit sums over the layer above: the same argument with the fan-out,

$$VAR_BACKWARD$$

Keeping both level needs n·Var(W) = 1 forward and backward. Xavier (Glorot & Bengio 2010) takes the compromise between fan_in and fan_out; He (Kaiming et al. 2015) makes up for ReLU zeroing half of its inputs:

$$XAVIER_RULE$$

$$HE_RULE$$

`torch.nn.init`'s formulas: `xavier_normal_` $XAVIER_NORMAL$, `xavier_uniform_` $XAVIER_UNIFORM$, `kaiming_normal_` $KAIMING_NORMAL$, `kaiming_uniform_` $KAIMING_UNIFORM$ (normal: standard deviation σ; uniform: U(−a, a), whose variance is a²/3). The gain makes up for the activation (PyTorch's `calculate_gain`):",
    init_current: "This network's hidden layers, with its initializer and gain:",
    gain_note: "* PyTorch defines no gain for elu, gelu, silu and softplus; gradscope uses √2, because each behaves like ReLU for large inputs.",
    theory_title: "The dashed line: mean-field theory and χ₁",
    theory_intro: "For a wide network with random weights, the mean squared pre-activation q follows a map from layer to layer that settles at a fixed point q* (Poole et al. 2016):

$$LENGTH_MAP$$

There, each layer multiplies the mean squared gradient by the same factor χ₁ (Schoenholz et al. 2017):

$$CHI_ONE$$

$$DELTA_RECURSION$$

**χ₁ < 1**: the ordered phase, gradients vanish over about ξ layers. **χ₁ > 1**: the chaotic phase, gradients explode. **χ₁ = 1**: the edge of chaos, where deep networks train. For ReLU, χ₁ = σ_w²/2 at every q, so He's σ_w² = 2 is exactly critical.",
    theory_differs: "The measured points differ from the line because:

- the width is finite: each layer's factor fluctuates around χ₁, and at a few units per layer the theory says little;
- the first layers have not reached q* yet (the line follows each input's own q, so it bends there too);
- batch norm divides by batch statistics, which the map does not model (no line is drawn);
- skip connections add the identity to every factor; the residual rule is an approximation.",
    theory_caveat: "A caveat: the weight gradient multiplies δ by the layer's input, $WEIGHT_GRADIENT$, and with ReLU and Xavier the two factors move in opposite directions, so ‖∂L/∂W‖ can look flat while ‖∂L/∂h‖ vanishes. Always look at both series. Here, across the hidden layers of equal width (2 to L):",
    theory_hidden: "The weight gradient hides the vanishing here.",
    orthogonal_title: "Orthogonal initialization",
    orthogonal: "An orthogonal matrix keeps every vector's length: all its singular values are 1. Scaled by the gain,

$$ORTHOGONAL$$

so a linear layer neither shrinks nor stretches any direction, not just the average one. With χ₁ = 1 this gives dynamical isometry (Pennington et al. 2017): the whole input–output Jacobian keeps lengths, for linear and tanh networks with small pre-activations. ReLU cannot reach it: it zeroes half the directions.",
    orthogonal_off: "Choose orthogonal under Initialization to see its numbers.",
    small_init_title: "Small random initialization",
    small_init: "The classic recipe W ~ N(0, 0.01²) ignores the width. What matters is σ_w² = n·std², the factor each layer applies to the signal's variance:

$$SMALL_INIT$$

With sigmoid, φ′ ≤ 1/4 on top of that, so each layer's χ₁ is at most σ_w²/16: the gradient vanishes fast.",
    small_init_off: "Choose normal under Initialization to see this network's numbers.",
    batch_norm_title: "Batch normalization",
    batch_norm: "Each unit is standardized over the batch, then scaled and shifted by the learned γ, β:

$$BATCH_NORM$$

Forward, this keeps pre-activations near unit variance whatever the weights' scale, so sigmoid and tanh units stay out of their flat tails. Backward it is no cure at initialization: without skip connections it makes gradients grow toward the input (Yang et al., ICLR 2019). Mean-field theory draws no line for it.",
    batch_norm_off: "Switch on batch norm under Network to compare.",
    residual_title: "Residual (skip) connections",
    residual: "A block adds its output to its input, so its Jacobian is the identity plus the branch's:

$$RESIDUAL$$

The gradient always has the identity path, so it cannot vanish; instead each block multiplies the mean squared gradient by a factor above 1, and a deep residual stack grows slowly toward the input:

$$RESIDUAL_FACTOR$$",
    residual_off: "Switch on residual connections under Network to compare.",
    clipping_title: "Gradient clipping",
    clipping: "Clipping by norm (`clip_grad_norm_`) rescales the whole gradient when it is too long, keeping its direction:

$$CLIP_NORM$$

Clipping by value (`clip_grad_value_`) clamps each entry, which can turn the direction:

$$CLIP_VALUE$$

Clipping keeps one exploding step from throwing the weights far away (Pascanu et al. 2013). It does nothing against vanishing gradients: it only ever makes a gradient shorter.",
    clipping_off: "Training does not clip now.",
    adaptive_title: "Adaptive learning rates: Adam and Adagrad",
    adaptive: "Adam (`torch.optim.Adam`) keeps moving averages of the gradient and of its square, corrects their start-up bias, and divides:

$$ADAM$$

Adagrad (`torch.optim.Adagrad`) divides by the root of all squared gradients so far:

$$ADAGRAD$$

While |g| ≫ ε, the first step of both is lr·sign(g): every layer moves by about lr, however small its gradient. Adaptive methods let vanishing layers learn, but their step no longer shows how small the gradient was: watch the update:data ratio (about 1e-3 is healthy). PyTorch's defaults:",
    activation_title: "Activations: where the units sit",
    activation: "Every layer's backward factor contains diag(φ′(h)): where φ is flat, the gradient stops. Sigmoid's slope is at most 1/4, so it shrinks the gradient at every layer even at its best; sigmoid and tanh units whose pre-activations are large sit in the flat tails (**saturated**); a ReLU unit that is negative for every input passes no gradient at all (**dead**), while its slope is exactly 1 on the positive side. This network's hidden layers, on average:",
};

pub const ZH_CN: PanelText = PanelText {
    chain_title: "链式法则：为什么深度会把梯度连乘起来",
    chain_intro: "反向传播在每一层用一次链式法则：第 l 层预激活处的梯度来自它上面的一层，

$$CHAIN_STEP$$

所以第一层的梯度是一个乘积，每层贡献一个因子：

$$CHAIN_PRODUCT$$

如果每个因子都让梯度变化差不多的倍数，这些倍数就会连乘：每层 0.5，20 层后只剩百万分之一（**梯度消失**）；每层 2，则放大一百万倍（**梯度爆炸**）。

$$CHAIN_POWER$$",
    chain_table_intro: "这个网络的各层因子 $CHAIN_FACTOR$（探针实测），从最后一个隐藏层往下：",
    chain_outro: "累积乘积就是上方图和图下那句话给出的比值。因子小于 1 梯度消失，大于 1 梯度爆炸；只有接近 1 的因子才能让深层网络训练起来。",
    chain_one_layer: "只有一个隐藏层时还谈不上连乘：请增加层数。",
    chain_theory_column: "平均场理论",
    init_title: "Xavier / He 初始化：让方差保持不变",
    init_intro: "前向时，第 l 层的每个单元把 n 个输入（权重乘激活）加起来，所以它的方差是

$$VAR_FORWARD$$

反向时，一个单元的梯度是对上一层求和：同样的论证，换成 fan_out，

$$VAR_BACKWARD$$

要让两个方向都保持不变，前向和反向都需要 n·Var(W) = 1。Xavier（Glorot & Bengio 2010）在 fan_in 和 fan_out 之间折中；He（Kaiming 等 2015）补偿 ReLU 把一半输入置零：

$$XAVIER_RULE$$

$$HE_RULE$$

`torch.nn.init` 的公式：`xavier_normal_` $XAVIER_NORMAL$，`xavier_uniform_` $XAVIER_UNIFORM$，`kaiming_normal_` $KAIMING_NORMAL$，`kaiming_uniform_` $KAIMING_UNIFORM$（正态：标准差 σ；均匀：U(−a, a)，方差为 a²/3）。增益（gain）用来补偿激活函数（PyTorch 的 `calculate_gain`）：",
    init_current: "这个网络的隐藏层，按当前的初始化方法和增益：",
    gain_note: "* PyTorch 没有为 elu、gelu、silu 和 softplus 定义增益；gradscope 用 √2，因为它们在输入较大时都像 ReLU。",
    theory_title: "虚线：平均场理论与 χ₁",
    theory_intro: "对于随机权重的宽网络，预激活的均方 q 逐层遵循一个映射，并收敛到不动点 q*（Poole 等 2016）：

$$LENGTH_MAP$$

在那里，每一层把梯度的均方乘以同一个因子 χ₁（Schoenholz 等 2017）：

$$CHI_ONE$$

$$DELTA_RECURSION$$

**χ₁ < 1**：有序相，梯度在大约 ξ 层内消失。**χ₁ > 1**：混沌相，梯度爆炸。**χ₁ = 1**：混沌边缘，深层网络可以训练。对 ReLU，任意 q 下都有 χ₁ = σ_w²/2，所以 He 初始化的 σ_w² = 2 恰好是临界点。",
    theory_differs: "实测点与虚线不同，原因是：

- 宽度有限：每层的因子围绕 χ₁ 波动，每层只有几个单元时理论几乎没有意义；
- 最前面几层还没到达 q*（虚线按每个输入自己的 q 计算，所以那里也会弯曲）；
- 批量归一化除以批统计量，这个映射不描述它（不画虚线）；
- 残差连接给每个因子加上恒等项；残差规则只是近似。",
    theory_caveat: "注意：权重梯度是 δ 乘以该层的输入，$WEIGHT_GRADIENT$；用 ReLU 加 Xavier 时两个因子朝相反方向变化，所以 ‖∂L/∂W‖ 看起来很平，而 ‖∂L/∂h‖ 却在消失。两条曲线都要看。这里，在等宽的隐藏层之间（第 2 层到第 L 层）：",
    theory_hidden: "这里权重梯度掩盖了梯度消失。",
    orthogonal_title: "正交初始化",
    orthogonal: "正交矩阵保持每个向量的长度：它的所有奇异值都是 1。乘以增益后，

$$ORTHOGONAL$$

所以线性层在任何方向上都既不缩小也不拉伸，而不只是平均意义上。再加上 χ₁ = 1，就得到动力学等距（Pennington 等 2017）：整个输入–输出雅可比矩阵保持长度，适用于预激活较小的线性和 tanh 网络。ReLU 做不到：它把一半方向置零。",
    orthogonal_off: "在“初始化”中选择 orthogonal 即可看到它的数值。",
    small_init_title: "小随机初始化",
    small_init: "经典做法 W ~ N(0, 0.01²) 忽略了宽度。真正起作用的是 σ_w² = n·std²，即每层作用于信号方差的因子：

$$SMALL_INIT$$

对 sigmoid，再加上 φ′ ≤ 1/4，每层的 χ₁ 最多是 σ_w²/16：梯度迅速消失。",
    small_init_off: "在“初始化”中选择 normal 即可看到这个网络的数值。",
    batch_norm_title: "批量归一化",
    batch_norm: "每个单元在批内标准化，再由可学习的 γ、β 缩放和平移：

$$BATCH_NORM$$

前向时，无论权重尺度如何，它都让预激活保持在单位方差附近，sigmoid 和 tanh 单元不会落入平坦的尾部。反向时它在初始化阶段并不能解决问题：没有残差连接时，它会让梯度朝输入方向增长（Yang 等，ICLR 2019）。平均场理论不为它画虚线。",
    batch_norm_off: "在“网络”中打开批量归一化即可对比。",
    residual_title: "残差连接",
    residual: "一个块把输出加到输入上，所以它的雅可比矩阵是恒等矩阵加上分支的雅可比矩阵：

$$RESIDUAL$$

梯度总有一条恒等路径，所以不会消失；但每个块会把梯度的均方乘以一个略大于 1 的因子，深的残差堆叠会朝输入方向缓慢增长：

$$RESIDUAL_FACTOR$$",
    residual_off: "在“网络”中打开残差连接即可对比。",
    clipping_title: "梯度裁剪",
    clipping: "按范数裁剪（`clip_grad_norm_`）在梯度过长时整体缩放，方向不变：

$$CLIP_NORM$$

按值裁剪（`clip_grad_value_`）逐个截断分量，可能改变方向：

$$CLIP_VALUE$$

梯度裁剪防止一次爆炸的更新把权重甩得很远（Pascanu 等 2013）。它对梯度消失毫无作用：它只会让梯度变短。",
    clipping_off: "当前训练不做梯度裁剪。",
    adaptive_title: "自适应学习率：Adam 与 Adagrad",
    adaptive: "Adam（`torch.optim.Adam`）维护梯度及其平方的滑动平均，修正它们起始时的偏差，然后相除：

$$ADAM$$

Adagrad（`torch.optim.Adagrad`）除以迄今所有梯度平方和的平方根：

$$ADAGRAD$$

只要 |g| ≫ ε，两者的第一步都是 lr·sign(g)：无论梯度多小，每层都移动大约 lr。自适应方法能让梯度消失的层也学起来，但更新步长不再反映梯度有多小：请看更新/数据比（约 1e-3 为健康）。PyTorch 的默认值：",
    activation_title: "激活函数：单元落在哪里",
    activation: "每层的反向因子都包含 diag(φ′(h))：φ 平坦的地方，梯度就停下。sigmoid 的导数最多 1/4，所以即使在最好的位置它也会让梯度每层缩小；预激活很大的 sigmoid 和 tanh 单元落在平坦的尾部（**饱和**）；对所有输入都为负的 ReLU 单元完全不传梯度（**死亡**），而在正半轴上它的导数恰好是 1。这个网络的隐藏层平均：",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math;

    /// The `$NAME$` and `$$NAME$$` formula names of a passage, in order.
    fn formulas(passage: &str) -> Vec<&str> {
        let is_name = |piece: &&str| !piece.is_empty() && piece.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        passage.split('$').filter(is_name).collect()
    }

    #[test]
    fn both_languages_use_the_same_known_formulas_in_every_passage() {
        for (en, zh) in EN.passages().iter().zip(ZH_CN.passages()) {
            assert!(!zh.is_empty() && zh != *en, "untranslated: {en:?}");
            assert_eq!(formulas(en), formulas(zh), "{en:?}");
            for name in formulas(en) {
                assert!(math::ALL.iter().any(|f| f.name == name), "unknown formula {name} in {en:?}");
            }
        }
    }
}
