//! dlib's `entropy_decoder_model::kernel_5a`: an order-4 PPM model with
//! escape method D and Shkarin's information inheritance, over 257 symbols
//! (the bytes and an end-of-data marker) and at most 200 000 context nodes,
//! after which the tree is rebuilt from scratch. Counts are 16-bit and wrap
//! exactly as the encoder's do.

use crate::dlib::FormatError;

use super::range::RangeDecoder;

/// Number of symbols: the 256 byte values plus the end-of-data marker.
const ALPHABET_SIZE: u32 = 257;
pub(super) const EOF_SYMBOL: u16 = 256;
/// `kernel_5a`: 200 000 nodes, contexts of up to 4 symbols.
const TOTAL_NODES: usize = 200_000;
const MAX_ORDER: usize = 4;
const NIL: u32 = u32::MAX;
const ROOT: u32 = 0;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Next node in the same context set.
    next: u32,
    /// First node of the child context set.
    child: u32,
    /// The node for this context one symbol shorter.
    parent: u32,
    symbol: u16,
    count: u16,
    /// Sum of the child counts plus `escapes`.
    total: u16,
    escapes: u16,
}

const EMPTY_NODE: Node = Node {
    next: NIL,
    child: NIL,
    parent: NIL,
    symbol: 0,
    count: 0,
    total: 0,
    escapes: 0,
};

/// dlib's `entropy_decoder_model::kernel_5` (order-4 PPM). Nodes live in an
/// arena indexed by `u32`, `NIL` standing for dlib's null pointer; the root
/// is node 0.
#[derive(Debug)]
pub(super) struct PpmModel {
    nodes: Vec<Node>,
    next_node: usize,
    cur: u32,
    cur_order: usize,
    excluded: [u32; (ALPHABET_SIZE as usize) / 32 + 1],
    exclusions_used: bool,
    /// New nodes waiting for their symbol and count, with their contexts.
    stack: Vec<(u32, u32)>,
}

impl PpmModel {
    pub(super) fn new() -> Self {
        let mut model = Self {
            nodes: vec![EMPTY_NODE; TOTAL_NODES],
            next_node: 1,
            cur: ROOT,
            cur_order: 0,
            excluded: [0; (ALPHABET_SIZE as usize) / 32 + 1],
            exclusions_used: false,
            stack: Vec::with_capacity(MAX_ORDER + 1),
        };
        model.clear();
        model
    }

    /// Forgets every context: dlib rebuilds the tree from scratch when the
    /// node arena is full.
    fn clear(&mut self) {
        self.next_node = 1;
        let root = &mut self.nodes[ROOT as usize];
        root.child = NIL;
        root.escapes = 0;
        root.total = 0;
        root.next = NIL;
        root.parent = NIL;
        self.cur = ROOT;
        self.cur_order = 0;
        self.stack.clear();
        self.clear_exclusions();
    }

    fn clear_exclusions(&mut self) {
        self.excluded = [0; (ALPHABET_SIZE as usize) / 32 + 1];
        self.exclusions_used = false;
    }

    fn exclude(&mut self, symbol: u16) {
        self.exclusions_used = true;
        self.excluded[usize::from(symbol >> 5)] |= 1 << (symbol & 0x1F);
    }

    fn is_excluded(&self, symbol: u16) -> bool {
        self.excluded[usize::from(symbol >> 5)] & (1 << (symbol & 0x1F)) != 0
    }

    fn allocate(&mut self) -> u32 {
        let index = self.next_node as u32;
        self.next_node += 1;
        index
    }

    /// Halves the counts of `context`'s children (never to zero).
    fn scale_counts(&mut self, context: u32) {
        let c = context as usize;
        if self.nodes[c].escapes > 1 {
            self.nodes[c].escapes >>= 1;
        }
        let mut total = self.nodes[c].escapes;
        let mut n = self.nodes[c].child;
        while n != NIL {
            let node = &mut self.nodes[n as usize];
            if node.count > 1 {
                node.count >>= 1;
            }
            total = total.wrapping_add(node.count);
            n = node.next;
        }
        self.nodes[c].total = total;
    }

    fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    fn node_mut(&mut self, index: u32) -> &mut Node {
        &mut self.nodes[index as usize]
    }

    /// Links a fresh node after `new_node` (or starts the chain) and returns it.
    fn chain_new_node(&mut self, new_node: u32) -> u32 {
        let fresh = self.allocate();
        if new_node != NIL {
            self.node_mut(new_node).parent = fresh;
        }
        fresh
    }

    /// Decodes one symbol (0..=256).
    pub(super) fn decode(&mut self, coder: &mut RangeDecoder<'_>) -> Result<u16, FormatError> {
        let mut context = self.cur;
        self.cur = NIL;
        let mut local_order = self.cur_order;
        let mut new_node = NIL;
        if self.exclusions_used {
            self.clear_exclusions();
        }

        // `count` and `total` of the symbol where it was found, which seed
        // the counts of the nodes created for it in longer contexts.
        let (symbol, found_count, found_total) = loop {
            if self.next_node >= TOTAL_NODES {
                self.clear();
                context = self.cur;
                local_order = self.cur_order;
                self.cur = NIL;
                new_node = NIL;
                continue;
            }

            let mut total_count = u32::from(self.node(context).total);
            if total_count > 0 {
                if total_count > 10_000 {
                    self.scale_counts(context);
                    total_count = u32::from(self.node(context).total);
                }
                if self.exclusions_used {
                    total_count = u32::from(self.node(context).escapes);
                    let mut n = self.node(context).child;
                    while n != NIL {
                        let node = *self.node(n);
                        if !self.is_excluded(node.symbol) {
                            total_count += u32::from(node.count);
                        }
                        n = node.next;
                    }
                }

                let target = coder.get_target(total_count)?;
                let mut high_count = 0u32;
                let mut n = self.node(context).child;
                let mut last = NIL;
                loop {
                    let node = *self.node(n);
                    if !self.is_excluded(node.symbol) {
                        high_count += u32::from(node.count);
                        self.exclude(node.symbol);
                    }
                    if high_count > target || node.next == NIL {
                        break;
                    }
                    last = n;
                    n = node.next;
                }

                if high_count > target {
                    let low_count = high_count - u32::from(self.node(n).count);
                    if new_node != NIL {
                        self.node_mut(new_node).parent = n;
                    }
                    let symbol = self.node(n).symbol;
                    coder.decode(low_count, high_count)?;
                    let c = self.node(n).count.wrapping_add(8);
                    self.node_mut(n).count = c;
                    let t = self.node(context).total.wrapping_add(8);
                    self.node_mut(context).total = t;

                    // Move the symbol to the front of its context set.
                    if last != NIL {
                        let after = self.node(n).next;
                        self.node_mut(last).next = after;
                        self.node_mut(n).next = self.node(context).child;
                        self.node_mut(context).child = n;
                    }
                    if self.cur == NIL {
                        if local_order < MAX_ORDER {
                            self.cur_order = local_order + 1;
                            self.cur = n;
                        } else {
                            self.cur = self.node(n).parent;
                            self.cur_order = local_order;
                        }
                    }
                    break (symbol, c, t);
                }

                // Not in this context: escape, and remember to add it here.
                new_node = self.chain_new_node(new_node);
                self.node_mut(n).next = new_node;
                coder.decode(high_count, total_count)?;
            } else {
                // A context that has never seen a symbol.
                new_node = self.chain_new_node(new_node);
                self.node_mut(context).child = new_node;
            }

            if self.cur == NIL && local_order < MAX_ORDER {
                self.cur = new_node;
                self.cur_order = local_order + 1;
            }
            {
                let fresh = self.node_mut(new_node);
                fresh.child = NIL;
                fresh.escapes = 0;
                fresh.next = NIL;
                fresh.total = 0;
            }
            self.stack.push((new_node, context));

            if context != ROOT {
                context = self.node(context).parent;
                local_order = local_order.saturating_sub(1);
                if context == NIL {
                    return Err(FormatError::Invalid {
                        offset: coder.pos.min(coder.input.len()),
                        what: "compressed stream",
                        detail: "context tree is inconsistent".into(),
                    });
                }
                continue;
            }

            // Order -1: every symbol equally likely.
            let target = coder.get_target(ALPHABET_SIZE)?;
            self.node_mut(new_node).parent = ROOT;
            coder.decode(target, target + 1)?;
            if self.cur == NIL {
                self.cur = ROOT;
                self.cur_order = 0;
            }
            break (target as u16, 8u16, 2056u16);
        };

        self.initialise_new_nodes(symbol, found_count, found_total)?;
        Ok(symbol)
    }

    /// Gives the nodes created during a decode their symbol and initial
    /// count, inherited from the context the symbol was found in.
    fn initialise_new_nodes(&mut self, symbol: u16, c: u16, t: u16) -> Result<(), FormatError> {
        while let Some((n, nc)) = self.stack.pop() {
            self.node_mut(n).symbol = symbol;
            let context = *self.node(nc);
            if context.total != 0 {
                // dlib computes this in `int` and stores it in an `unsigned
                // long`, so a negative value wraps to a huge divisor.
                let divisor = (i32::from(t) - i32::from(c) + i32::from(context.total)
                    - i32::from(context.escapes)
                    - i32::from(context.escapes)) as i64 as u64;
                let count =
                    (u64::from(context.total) * u64::from(c) / (divisor | 1) + 2).min(50_000);
                let count = count as u16;
                self.node_mut(n).count = count;
                let ctx = self.node_mut(nc);
                ctx.escapes = ctx.escapes.wrapping_add(4);
                ctx.total = ctx.total.wrapping_add(count).wrapping_add(4);
            } else {
                let spread = i32::from(t) - i32::from(c);
                let ratio = (5 * i32::from(c))
                    .checked_div(spread)
                    .ok_or(FormatError::Invalid {
                        offset: 0,
                        what: "compressed stream",
                        detail: "degenerate symbol counts".into(),
                    })?;
                let count = (3 + ratio) as u16;
                self.node_mut(n).count = count;
                let ctx = self.node_mut(nc);
                ctx.escapes = 4;
                ctx.total = count.wrapping_add(4);
            }
            while self.node(nc).total > 10_000 {
                self.scale_counts(nc);
            }
        }
        Ok(())
    }
}
