"""collectkit: small, dependency-free data structures."""

from collectkit.heap import PriorityQueue
from collectkit.intervals import IntervalSet
from collectkit.lru import LRUCache
from collectkit.ring import RingBuffer
from collectkit.trie import Trie
from collectkit.unionfind import UnionFind

__all__ = ["IntervalSet", "LRUCache", "PriorityQueue", "RingBuffer", "Trie", "UnionFind"]
