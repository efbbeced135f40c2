/**
 * tf.train.adam's update, run in JS on the host instead of as ~14 tfjs kernels per variable (for a small MLP
 * each kernel costs far more in dispatch than in arithmetic). Every operation is rounded to float32 in the
 * same order as tfjs's AdamOptimizer, so the result is the same bits.
 *
 * The tfjs optimizer stays the owner of the state that checkpoints save: `sync()` writes the moments, the
 * beta powers and the iteration count back into it, and `HostAdam.from` reads them from it.
 */
import { tf } from "./tf.js";

const f32 = Math.fround;

interface Moment {
  originalName: string;
  variable: tf.Variable;
}

/** The parts of tfjs's AdamOptimizer this class reads and writes (not in its public typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Moment[];
  accumulatedSecondMoment: Moment[];
  iterations_: number;
  iterations: number;
}

export class HostAdam {
  private readonly params: Float32Array[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly b1: number;
  private readonly b2: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly eps: number;
  private readonly negLr: number;
  private accBeta1: number;
  private accBeta2: number;
  private unsynced = 0;

  private constructor(
    private readonly opt: AdamInternals,
    private readonly vars: tf.Variable[],
  ) {
    this.params = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    const moment = (list: Moment[], i: number) =>
      list[i]
        ? Float32Array.from(list[i].variable.dataSync() as Float32Array)
        : new Float32Array(this.params[i].length);
    this.m = vars.map((_, i) => moment(opt.accumulatedFirstMoment, i));
    this.v = vars.map((_, i) => moment(opt.accumulatedSecondMoment, i));
    // The scalars tfjs builds from these numbers are float32 tensors.
    this.b1 = f32(opt.beta1);
    this.b2 = f32(opt.beta2);
    this.c1 = f32(1 - opt.beta1);
    this.c2 = f32(1 - opt.beta2);
    this.eps = f32(opt.epsilon);
    this.negLr = f32(-opt.learningRate);
    this.accBeta1 = opt.accBeta1.dataSync()[0];
    this.accBeta2 = opt.accBeta2.dataSync()[0];
  }

  /** A host copy of `opt` for these variables (in the order gradients come), or null if `opt` is not tfjs's Adam. */
  static from(opt: tf.Optimizer, vars: tf.Variable[]): HostAdam | null {
    return opt instanceof tf.AdamOptimizer ? new HostAdam(opt as unknown as AdamInternals, vars) : null;
  }

  /** One Adam step from the gradients (same order and sizes as the variables); uploads the new weights. */
  step(grads: ArrayLike<number>[]): void {
    const d1 = f32(1 - this.accBeta1);
    const d2 = f32(1 - this.accBeta2);
    grads.forEach((g, i) => this.update(this.params[i], this.m[i], this.v[i], g, d1, d2));
    this.accBeta1 = f32(this.accBeta1 * this.b1);
    this.accBeta2 = f32(this.accBeta2 * this.b2);
    this.unsynced++;
    this.vars.forEach((v, i) => assignData(v, this.params[i]));
  }

  private update(
    p: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: ArrayLike<number>,
    d1: number,
    d2: number,
  ): void {
    const { b1, b2, c1, c2, eps, negLr } = this;
    for (let j = 0; j < p.length; j++) {
      const gj = g[j];
      const mj = f32(f32(m[j] * b1) + f32(gj * c1));
      const vj = f32(f32(v[j] * b2) + f32(f32(gj * gj) * c2));
      m[j] = mj;
      v[j] = vj;
      const mHat = f32(mj / d1);
      const vHat = f32(vj / d2);
      p[j] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * negLr) + p[j]);
    }
  }

  /** Writes moments, beta powers and iteration count back into the tfjs optimizer (what checkpoints save). */
  sync(): void {
    const o = this.opt;
    const store = (list: Moment[], suffix: string, data: Float32Array[]) =>
      this.vars.forEach((v, i) => {
        if (list[i]) assignData(list[i].variable, data[i]);
        else
          list[i] = {
            originalName: `${v.name}/${suffix}`,
            variable: tf.tidy(() => tf.tensor(data[i], v.shape).variable(false)),
          };
      });
    store(o.accumulatedFirstMoment, "m", this.m);
    store(o.accumulatedSecondMoment, "v", this.v);
    tf.tidy(() => {
      o.accBeta1.assign(tf.scalar(this.accBeta1));
      o.accBeta2.assign(tf.scalar(this.accBeta2));
    });
    o.iterations_ = o.iterations + this.unsynced;
    this.unsynced = 0;
  }
}

function assignData(v: tf.Variable, data: Float32Array): void {
  const t = tf.tensor(data, v.shape);
  v.assign(t);
  t.dispose();
}
